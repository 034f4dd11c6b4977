/**
 * The ranges of the dataset options that size what is generated or materialised, each with its
 * reason in the message a config outside it gets. The product of several options is checked
 * separately, against the data cap (data-limit.ts), before anything is allocated.
 */
import { z } from 'zod';

/** Keras' IMDB index has about 90,000 words and Reuters' about 31,000. */
export const MAX_NUM_WORDS = 1_000_000;
/** The longest IMDB review is about 2,500 words. */
export const MAX_MAXLEN = 100_000;
export const MAX_SYNTHETIC_SAMPLES = 10_000_000;
export const MAX_SYNTHETIC_FEATURES = 100_000;
export const MAX_SYNTHETIC_CLASSES = 10_000;

/** An integer option in [min, max], the maximum's reason in the message. */
export function sizeOption(min: number, max: number, reason: string): z.ZodNumber {
  return z
    .number()
    .int()
    .min(min)
    .max(max, `must be at most ${max} (${reason})`);
}

export const numWordsOption = () => sizeOption(4, MAX_NUM_WORDS, 'ids are < numWords, and a bag of words holds numWords float32 values per sample');
export const maxlenOption = () => sizeOption(1, MAX_MAXLEN, 'every sample is padded to maxlen int32 ids');
