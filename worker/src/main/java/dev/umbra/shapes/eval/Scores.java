package dev.umbra.shapes.eval;

import dev.umbra.shapes.detect.Judgement;

/** Detector verdicts summed over a set of images. */
public final class Scores {

    private int images;
    private int objects;
    private int colorHits;
    private int shapeHits;
    private int bothHits;
    private int pairImages;
    private int relationHits;
    private int positionHits;
    private double alignment;

    public void add(Judgement j, double textImageAlignment) {
        images++;
        objects += j.objects();
        colorHits += j.colorHits();
        shapeHits += j.shapeHits();
        bothHits += j.bothHits();
        if (j.objects() == 2) {
            pairImages++;
            relationHits += j.relationHit() ? 1 : 0;
            positionHits += j.positionHit() ? 1 : 0;
        }
        alignment += textImageAlignment;
    }

    public int images() {
        return images;
    }

    /** Objects of the right color, of all the prompts' objects. */
    public double color() {
        return ratio(colorHits, objects);
    }

    public double shape() {
        return ratio(shapeHits, objects);
    }

    /** Objects of the right color and shape. */
    public double both() {
        return ratio(bothHits, objects);
    }

    /** Two-object images with both objects right and in the named relation; NaN for single objects. */
    public double relation() {
        return ratio(relationHits, pairImages);
    }

    /** Two-object images whose objects stand in the named relation, whatever they look like. */
    public double position() {
        return ratio(positionHits, pairImages);
    }

    /** Mean CLIP score (text-image alignment) of the images. */
    public double alignment() {
        return images == 0 ? Double.NaN : alignment / images;
    }

    private static double ratio(int hits, int total) {
        return total == 0 ? Double.NaN : (double) hits / total;
    }
}
