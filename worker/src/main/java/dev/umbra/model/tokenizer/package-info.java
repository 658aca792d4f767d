/** CLIP's BPE tokenizer (DJL's Hugging Face tokenizers binding) with CLIP's framing to 77 tokens. */
package dev.umbra.model.tokenizer;
