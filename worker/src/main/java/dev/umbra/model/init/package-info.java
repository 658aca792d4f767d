/**
 * Model folders of the real sizes with random weights ({@code init-model}): Hugging Face layout, written tensor by
 * tensor, so that real-size runs and benchmarks need no download.
 */
package dev.umbra.model.init;
