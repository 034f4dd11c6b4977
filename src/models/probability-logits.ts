import * as tf from '@tensorflow/tfjs';

/** Keras' epsilon: probabilities are clipped to [eps, 1 - eps] before the log, as its cross-entropies do. */
const EPSILON = 1e-7;

/**
 * Logits recovered from probabilities, for a model whose softmax/sigmoid sits inside a layer
 * that cannot be split (is-bench's losses take logits): log(p) for softmax (softmax(log p) = p
 * when the rows sum to 1), log(p) - log(1 - p) for sigmoid. The losses on these equal Keras'
 * cross-entropies on the probabilities, but their gradient is not the gradient with respect to the
 * model's own pre-activation, so the gradient-norm bound is refused on such a model.
 */
export class ProbabilityLogits extends tf.layers.Layer {
  static className = 'ProbabilityLogits';
  readonly activation: 'softmax' | 'sigmoid';

  constructor(args: { activation: 'softmax' | 'sigmoid'; name?: string }) {
    super({ name: args.name });
    this.activation = args.activation;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const p = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const clipped = tf.clipByValue(p, EPSILON, 1 - EPSILON);
      if (this.activation === 'softmax') return tf.log(clipped);
      return tf.sub(tf.log(clipped), tf.log1p(tf.neg(clipped)));
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), activation: this.activation };
  }
}
