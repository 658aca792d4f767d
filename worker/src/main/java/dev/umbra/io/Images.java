package dev.umbra.io;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Conversions between packed sRGB pixels, {@link BufferedImage}s, PNG bytes and model tensors. */
public final class Images {

    private Images() {}

    public static BufferedImage fromRgb(int[] rgb, int size) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, size, size, rgb, 0, size);
        return image;
    }

    public static int[] toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        return image.getRGB(0, 0, w, h, null, 0, w);
    }

    /** PNG bytes; ImageIO writes the same bytes for the same pixels. */
    public static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a PNG", e);
        }
    }

    /**
     * Packed sRGB to channel-first floats in [0, 1] ({@code [3, size, size]} per image, images one after
     * another), the layout the models take.
     */
    public static void toChannelsFirst(int[] rgb, float[] out, int offset) {
        int plane = rgb.length;
        for (int i = 0; i < plane; i++) {
            int p = rgb[i];
            out[offset + i] = ((p >> 16) & 0xFF) / 255f;
            out[offset + plane + i] = ((p >> 8) & 0xFF) / 255f;
            out[offset + 2 * plane + i] = (p & 0xFF) / 255f;
        }
    }

    /** The inverse of {@link #toChannelsFirst}: values are clamped to [0, 1] and rounded to the nearest level. */
    public static int[] fromChannelsFirst(float[] values, int offset, int plane) {
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            int r = level(values[offset + i]);
            int g = level(values[offset + plane + i]);
            int b = level(values[offset + 2 * plane + i]);
            rgb[i] = (r << 16) | (g << 8) | b;
        }
        return rgb;
    }

    private static int level(float v) {
        float c = Math.max(0f, Math.min(1f, v));
        return Math.round(c * 255f);
    }
}
