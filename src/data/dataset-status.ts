import type { LookedPlace, LookupContext, PlaceKind } from './locate';

/** One row of `is-bench datasets`. */
export interface DatasetStatus {
  name: string;
  description: string;
  found: boolean;
  /** Where the copy is: place label and path ("IS_BENCH_DATA: /data/aclImdb.tar.gz"). */
  where?: string;
  place?: PlaceKind;
  path?: string;
  /** What was found ("aclImdb archive", "IDX files (...)"). */
  form?: string;
  /** Bytes of the copy on disk (file, or all files of the folder). */
  sizeOnDisk?: number;
  train: number;
  test: number;
  inputShape: number[];
  numClasses: number;
  /** 'loaded': counts and shape from actually loading it; 'expected': the definition's, with default options. */
  counts: 'expected' | 'loaded';
  /** How to supply it, when not found. */
  hint?: string;
  looked: LookedPlace[];
  /** A problem with the copy (explicit path wrong, file damaged when loaded). */
  error?: string;
  /** What loading it said (a file source's columns, classes, splits), printed under its line. */
  notes?: string[];
}

export interface DescribeRequest {
  /** --data-dir */
  dataDir?: string;
  cacheDir?: string;
  /** Load every found dataset to report real counts (uses the parse cache; slow on a first run). */
  load?: boolean;
  /** Only these datasets (default all). */
  names?: string[];
  log?: (line: string) => void;
  /** For tests: the machine the lookup reads. */
  context?: LookupContext;
}

