/** The shapes world's decoder: a conditional VAE generator from a CLIP image embedding and a latent to pixels. */
package dev.umbra.decoder.shapes;
