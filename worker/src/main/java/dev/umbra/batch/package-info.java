/** A transport-free dynamic batcher: requests weighted in rows, grouped by size and wait, run on one owned thread. */
package dev.umbra.batch;
