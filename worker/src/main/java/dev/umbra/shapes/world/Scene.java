package dev.umbra.shapes.world;

import java.util.List;

/**
 * What a prompt asks for: one object, or two objects in a relation ("a red circle to the left of a blue
 * square": {@code first} red circle, {@code relation} LEFT_OF, {@code second} blue square).
 */
public record Scene(SceneObject first, Relation relation, SceneObject second) {

    public Scene {
        if (first == null) {
            throw new IllegalArgumentException("a scene needs an object");
        }
        if ((relation == null) != (second == null)) {
            throw new IllegalArgumentException("a second object needs a relation, and a relation a second object");
        }
    }

    public static Scene single(SceneObject object) {
        return new Scene(object, null, null);
    }

    public static Scene pair(SceneObject first, Relation relation, SceneObject second) {
        return new Scene(first, relation, second);
    }

    public boolean isPair() {
        return second != null;
    }

    public List<SceneObject> objects() {
        return isPair() ? List.of(first, second) : List.of(first);
    }

    /** Whether any object is one of the held-out color-shape combinations. */
    public boolean hasHeldOut() {
        return objects().stream().anyMatch(SceneObject::heldOut);
    }

    /**
     * Whether a rendering shows what this scene asks for: the same relation, and objects of the same color and
     * shape in the same order, of the named size where the scene names one; or, for two objects, the mirrored
     * relation with the objects in the other order ("B to the right of A" shows "A to the left of B").
     */
    public boolean describes(Rendering rendering) {
        Scene shown = rendering.scene();
        List<PlacedObject> placed = rendering.objects();
        if (shown.isPair() != isPair()) {
            return false;
        }
        if (shown.relation() == relation && matches(objects(), placed)) {
            return true;
        }
        return isPair() && shown.relation() == relation.mirror() && matches(List.of(second, first), placed);
    }

    private static boolean matches(List<SceneObject> wanted, List<PlacedObject> placed) {
        for (int i = 0; i < wanted.size(); i++) {
            SceneObject w = wanted.get(i);
            PlacedObject p = placed.get(i);
            if (w.color() != p.color() || w.kind() != p.kind() || (w.size() != null && w.size() != p.size())) {
                return false;
            }
        }
        return true;
    }

    /** One caption, the same for every paraphrase: what two captions must share to describe the same scene. */
    public String key() {
        return isPair() ? first.words() + " " + relation.phrase() + " " + second.words() : first.words();
    }
}
