import * as tf from '@tensorflow/tfjs';

// As in the product (selectBackend): no tfjs console banners in the test output.
tf.enableProdMode();
