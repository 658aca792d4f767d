/** Prompt to picture: the pipeline (tokenizer, text encoder, prior, decoder, CLIP score) and the {@code generate} job. */
package dev.umbra.generate;
