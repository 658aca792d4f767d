package dev.umbra.shapes.world;

/**
 * One object as a caption describes it: color and shape always, size only when the caption names it
 * ({@code null}: either size).
 */
public record SceneObject(ShapeColor color, ShapeKind kind, ObjectSize size) {

    public SceneObject {
        if (color == null || kind == null) {
            throw new IllegalArgumentException("an object needs a color and a shape");
        }
    }

    public static SceneObject of(ShapeColor color, ShapeKind kind) {
        return new SceneObject(color, kind, null);
    }

    /** Whether color and shape form one of the six combinations held out of all training data. */
    public boolean heldOut() {
        return ShapesWorld.isHeldOut(color, kind);
    }

    /** "small red circle", "blue square": the words of the object without an article. */
    public String words() {
        return (size == null ? "" : size.word() + " ") + color.word() + " " + kind.word();
    }
}
