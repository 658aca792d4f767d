package dev.umbra.shapes.world;

import dev.umbra.io.Images;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A rendered scene: the {@link ShapesWorld#CANVAS}-square image as packed sRGB ({@code 0xRRGGBB}, row by row)
 * and the objects as they were placed, in the scene's order.
 */
public record Rendering(Scene scene, int[] rgb, List<PlacedObject> objects) {

    public BufferedImage toImage() {
        return Images.fromRgb(rgb, ShapesWorld.CANVAS);
    }
}
