import type { Command } from 'commander';
import { fetchDataset } from '../data/fetch';
import { loadExperiment } from '../config/load';
import { describeConfigDataset, describeDatasets, formatDatasetStatus } from '../data/status';
import type { CliIO } from './io';
import { dataDirOption } from './options';

export function addDatasetsCommand(program: Command, io: CliIO): void {
  const datasets = program
    .command('datasets')
    .description('list the datasets: found or not, where, sample counts, shapes, size on disk')
    .addOption(dataDirOption())
    .option('--json', 'print the list as JSON', false)
    .option('--config <experiment>', "only the dataset of this experiment (a config file or built-in name), your own files included")
    .action(async (opts: { dataDir?: string; json: boolean; config?: string }) => {
      const request = { dataDir: opts.dataDir, load: true };
      const statuses = opts.config ? await describeConfigDataset(loadExperiment(opts.config).config.dataset, request) : await describeDatasets(request);
      io.stdout.write(opts.json ? JSON.stringify(statuses, null, 2) + '\n' : formatDatasetStatus(statuses) + '\n');
    });
  datasets
    .command('fetch')
    .description("download a dataset from its official URL into datasets/<name>/ (all files or none), checking each file's published sha256; refused when IS_BENCH_OFFLINE is set")
    .argument('<name>', 'dataset name (see `is-bench datasets`)')
    .option('--force', 'download again even when a copy is found', false)
    .action(async (name: string, opts: { force: boolean }) => {
      const result = await fetchDataset(name, { log: (line) => io.stderr.write(line + '\n'), force: opts.force });
      for (const f of result.files) io.stdout.write(`${f.downloaded ? 'downloaded' : 'already there'}: ${f.path} (${f.bytes} bytes)\n`);
    });
}
