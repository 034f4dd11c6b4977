import * as path from 'path';
import { builtinExperimentNames, CONFIG_DIR, readConfigFile } from './load';
import { listDatasets } from '../data/registry';
import { listModels } from '../models/zoo';
import { listStrategies } from '../sampling/registry';

function section(title: string, items: { name: string; description: string }[]): string {
  const width = Math.max(...items.map((i) => i.name.length));
  return [`${title}:`, ...items.map((i) => `  ${i.name.padEnd(width)}  ${i.description}`)].join('\n');
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 110 ? flat.slice(0, 107) + '...' : flat;
}

export interface CatalogueEntry {
  name: string;
  description: string;
}

/** What is built in: experiments (configs/), zoo models, datasets and strategies. */
export function catalogue(): { experiments: CatalogueEntry[]; models: CatalogueEntry[]; datasets: CatalogueEntry[]; strategies: CatalogueEntry[] } {
  const experiments = builtinExperimentNames().map((name) => {
    let description = '';
    try {
      const doc = readConfigFile(path.join(CONFIG_DIR, `${name}.yaml`)) as { description?: string };
      description = oneLine(doc.description ?? '');
    } catch {
      description = '(config does not parse: run `is-bench config ' + name + '`)';
    }
    return { name, description };
  });
  return {
    experiments,
    models: listModels(),
    datasets: listDatasets(),
    strategies: listStrategies().map((s) => ({ name: s.name, description: s.description })),
  };
}

/** `is-bench list`: the catalogue, one line each. */
export function catalogueText(): string {
  const c = catalogue();
  return [section('Experiments', c.experiments), section('Models', c.models), section('Datasets', c.datasets), section('Strategies', c.strategies)].join('\n\n');
}
