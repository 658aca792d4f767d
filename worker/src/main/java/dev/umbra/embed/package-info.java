/** The offline {@code embed} job: a prompts file through the model to .npy files. */
package dev.umbra.embed;
