/** Plain-Java math on embeddings: cosine similarity, the diversity figures (mean pairwise distance, Vendi score). */
package dev.umbra.math;
