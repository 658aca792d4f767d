package dev.umbra.shapes.eval;

import dev.umbra.shapes.detect.DetectedObject;
import dev.umbra.shapes.detect.Detector;
import java.util.List;

/** How far apart several pictures of one prompt are. */
final class PictureStats {

    private PictureStats() {}

    /** Mean over pairs of the root-mean-square difference of their pixel values, in [0, 1]. */
    static double meanPairwiseDistance(List<int[]> pictures) {
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < pictures.size(); i++) {
            for (int j = i + 1; j < pictures.size(); j++) {
                sum += rms(pictures.get(i), pictures.get(j));
                pairs++;
            }
        }
        return pairs == 0 ? 0 : sum / pairs;
    }

    private static double rms(int[] a, int[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                double d = (((a[i] >> shift) & 0xFF) - ((b[i] >> shift) & 0xFF)) / 255.0;
                sum += d * d;
            }
        }
        return Math.sqrt(sum / (3.0 * a.length));
    }

    /**
     * Root-mean-square distance, in pixels, of each picture's centre of mass of detected objects from their mean:
     * how much the objects move between pictures. Pictures with nothing detected are left out.
     */
    static double centroidSpread(List<int[]> pictures, int size) {
        double[] xs = new double[pictures.size()];
        double[] ys = new double[pictures.size()];
        int n = 0;
        for (int[] rgb : pictures) {
            List<DetectedObject> found = Detector.detect(rgb, size);
            double area = 0;
            double x = 0;
            double y = 0;
            for (DetectedObject o : found) {
                area += o.area();
                x += o.centerX() * o.area();
                y += o.centerY() * o.area();
            }
            if (area > 0) {
                xs[n] = x / area;
                ys[n] = y / area;
                n++;
            }
        }
        if (n < 2) {
            return 0;
        }
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += xs[i];
            my += ys[i];
        }
        mx /= n;
        my /= n;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (xs[i] - mx) * (xs[i] - mx) + (ys[i] - my) * (ys[i] - my);
        }
        return Math.sqrt(sum / n);
    }
}
