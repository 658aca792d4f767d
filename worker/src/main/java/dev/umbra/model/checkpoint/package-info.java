/** Hugging Face checkpoints: config.json, safetensors files (single or sharded), state-dict names. */
package dev.umbra.model.checkpoint;
