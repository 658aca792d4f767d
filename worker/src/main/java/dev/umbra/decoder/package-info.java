/** Decoders: from CLIP image embeddings to pictures, behind one interface. */
package dev.umbra.decoder;
