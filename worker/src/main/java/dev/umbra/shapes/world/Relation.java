package dev.umbra.shapes.world;

/** Where the first object of a two-object scene stands with respect to the second. */
public enum Relation {
    LEFT_OF("to the left of"),
    RIGHT_OF("to the right of"),
    ABOVE("above"),
    BELOW("below");

    private final String phrase;

    Relation(String phrase) {
        this.phrase = phrase;
    }

    /** The words between the two objects of a caption. */
    public String phrase() {
        return phrase;
    }

    /** The same relation seen from the second object: "A left of B" is "B right of A". */
    public Relation mirror() {
        return switch (this) {
            case LEFT_OF -> RIGHT_OF;
            case RIGHT_OF -> LEFT_OF;
            case ABOVE -> BELOW;
            case BELOW -> ABOVE;
        };
    }

    /**
     * Whether a first object centred {@code (dx, dy)} pixels from the second (image axes: y grows downwards)
     * stands in this relation, unambiguously: along the relation's axis, and further along it than across it
     * by at least {@code margin} pixels.
     */
    public boolean holds(double dx, double dy, double margin) {
        return switch (this) {
            case LEFT_OF -> dx < 0 && -dx >= Math.abs(dy) + margin;
            case RIGHT_OF -> dx > 0 && dx >= Math.abs(dy) + margin;
            case ABOVE -> dy < 0 && -dy >= Math.abs(dx) + margin;
            case BELOW -> dy > 0 && dy >= Math.abs(dx) + margin;
        };
    }
}
