/**
 * A diffusion decoder run in-process from TorchScript files (a UNet and a VQ/MoVQ image decoder, such as
 * Kandinsky 2.2's, exported by {@code deploy/decoder-torchscript/export.py}), with the DDIM/DDPM sampling loop and
 * classifier-free guidance in Java.
 */
package dev.umbra.decoder.torchscript;
