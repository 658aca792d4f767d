/** Files the command line reads and writes: NumPy {@code .npy} arrays and prompt lists. */
package dev.umbra.io;
