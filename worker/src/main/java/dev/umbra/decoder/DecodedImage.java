package dev.umbra.decoder;

import dev.umbra.io.Images;
import java.awt.image.BufferedImage;
import java.util.List;

/** A decoded picture: packed sRGB pixels ({@code 0xRRGGBB}, row by row). */
public record DecodedImage(int width, int height, int[] rgb) {

    public DecodedImage {
        if (rgb.length != width * height) {
            throw new IllegalArgumentException(rgb.length + " pixels for " + width + "x" + height);
        }
    }

    public BufferedImage toImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return image;
    }

    /**
     * Pictures of one size as channel-first RGB in [0, 1], one after another: what a CLIP image tower takes.
     *
     * @throws IllegalArgumentException if a picture is not {@code size} x {@code size}
     */
    public static float[] channelsFirst(List<DecodedImage> images, int size) {
        int plane = size * size;
        float[] out = new float[images.size() * 3 * plane];
        for (int i = 0; i < images.size(); i++) {
            DecodedImage image = images.get(i);
            if (image.width() != size || image.height() != size) {
                throw new IllegalArgumentException("picture " + i + " is " + image.width() + "x" + image.height()
                        + ", not " + size + "x" + size);
            }
            Images.toChannelsFirst(image.rgb(), out, i * 3 * plane);
        }
        return out;
    }

    /** Whether every picture is {@code size} x {@code size}. */
    public static boolean allOfSize(List<DecodedImage> images, int size) {
        return images.stream().allMatch(i -> i.width() == size && i.height() == size);
    }

    /** PNG bytes: the same pixels always give the same bytes. */
    public byte[] png() {
        return Images.png(toImage());
    }
}
