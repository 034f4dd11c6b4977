/**
 * Bilinear resizing as tf.image.resize(method='bilinear', antialias=False) does it, the resize
 * Keras' image_dataset_from_directory applies: half-pixel centres (output pixel j samples the
 * input at (j + 0.5) * in / out - 0.5), edge pixels repeated outside the image, no
 * anti-aliasing when shrinking. Pixels are interleaved channels-last, values kept as floats.
 */
export function resizeBilinear(
  src: Float32Array,
  inHeight: number,
  inWidth: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  const out = new Float32Array(outHeight * outWidth * channels);
  const ys = samplePositions(inHeight, outHeight);
  const xs = samplePositions(inWidth, outWidth);
  for (let oy = 0; oy < outHeight; oy++) {
    const { lo: y0, hi: y1, frac: fy } = ys[oy];
    for (let ox = 0; ox < outWidth; ox++) {
      const { lo: x0, hi: x1, frac: fx } = xs[ox];
      for (let c = 0; c < channels; c++) {
        const tl = src[(y0 * inWidth + x0) * channels + c];
        const tr = src[(y0 * inWidth + x1) * channels + c];
        const bl = src[(y1 * inWidth + x0) * channels + c];
        const br = src[(y1 * inWidth + x1) * channels + c];
        const top = tl + (tr - tl) * fx;
        const bottom = bl + (br - bl) * fx;
        out[(oy * outWidth + ox) * channels + c] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

/** TensorFlow's compute_interpolation_weights with half-pixel centres. */
function samplePositions(inSize: number, outSize: number): { lo: number; hi: number; frac: number }[] {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, j) => {
    const p = (j + 0.5) * scale - 0.5;
    const floor = Math.floor(p);
    return { lo: Math.max(floor, 0), hi: Math.min(Math.ceil(p), inSize - 1), frac: p - floor };
  });
}
