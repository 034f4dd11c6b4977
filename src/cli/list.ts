import { builtinExperimentNames, CONFIG_DIR, readConfigFile } from '../config/load';
import { listDatasets } from '../data/registry';
import { listModels } from '../models/zoo';
import { listStrategies } from '../sampling/registry';
import * as path from 'path';

function section(title: string, items: { name: string; description: string }[]): string {
  const width = Math.max(...items.map((i) => i.name.length));
  return [`${title}:`, ...items.map((i) => `  ${i.name.padEnd(width)}  ${i.description}`)].join('\n');
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 110 ? flat.slice(0, 107) + '...' : flat;
}

/** `is-bench list`: built-in experiments, models, datasets and strategies, one line each. */
export function listText(): string {
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
  return [
    section('Experiments', experiments),
    section('Models', listModels()),
    section('Datasets', listDatasets()),
    section(
      'Strategies',
      listStrategies().map((s) => ({ name: s.name, description: s.description })),
    ),
  ].join('\n\n');
}
