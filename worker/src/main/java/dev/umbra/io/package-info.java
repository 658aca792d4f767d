/** Files the command line reads and writes: NumPy {@code .npy} arrays, prompt lists, pictures as PNG. */
package dev.umbra.io;
