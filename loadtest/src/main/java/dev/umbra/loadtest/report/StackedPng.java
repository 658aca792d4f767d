package dev.umbra.loadtest.report;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;

/** XChart charts drawn one above the other into one PNG: the panels of {@link RunChart} and {@link CompareChart}. */
final class StackedPng {

    private StackedPng() {}

    /** Writes the panels top to bottom; the picture is as wide as the widest and as high as all together. */
    static void write(Path file, XYChart... panels) throws IOException {
        BufferedImage[] images = new BufferedImage[panels.length];
        int width = 0;
        int height = 0;
        for (int i = 0; i < panels.length; i++) {
            images[i] = BitmapEncoder.getBufferedImage(panels[i]);
            width = Math.max(width, images[i].getWidth());
            height += images[i].getHeight();
        }
        BufferedImage all = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        try {
            int y = 0;
            for (BufferedImage image : images) {
                g.drawImage(image, 0, y, null);
                y += image.getHeight();
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(all, "png", file.toFile())) {
            throw new IOException("no PNG writer in this JVM for " + file);
        }
    }
}
