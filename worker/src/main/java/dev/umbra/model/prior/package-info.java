/** The ECLIPSE prior: diffusers' {@code PriorTransformer} without the time token, with its config. */
package dev.umbra.model.prior;
