package dev.umbra.decoder;

import dev.umbra.io.Images;
import java.awt.image.BufferedImage;

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

    /** PNG bytes: the same pixels always give the same bytes. */
    public byte[] png() {
        return Images.png(toImage());
    }
}
