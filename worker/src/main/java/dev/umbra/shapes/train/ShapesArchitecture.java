package dev.umbra.shapes.train;

import dev.umbra.decoder.shapes.ShapesDecoderConfig;
import dev.umbra.model.clip.ClipTextConfig;
import dev.umbra.model.clip.ClipVisionConfig;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.shapes.world.ShapesWorld;
import java.util.List;

/**
 * The sizes of the shapes world's models: the project's own classes at a small size, all on the embedding width
 * E (the text tower's hidden size must equal E, as in the released ECLIPSE priors).
 */
public record ShapesArchitecture(ClipTextConfig text, ClipVisionConfig vision, PriorConfig prior,
                                 ShapesDecoderConfig decoder) {

    /** E, the CLIP embedding width of this world. */
    public static final int EMBEDDING_DIM = 64;

    /** What the shipped model uses. */
    public static ShapesArchitecture defaults() {
        int e = EMBEDDING_DIM;
        return new ShapesArchitecture(
                new ClipTextConfig(49408, e, 4 * e, e, 3, 4, 77, "gelu", 1e-5, 49407),
                new ClipVisionConfig(64, 256, e, 3, 4, 3, ShapesWorld.CANVAS, 8, "gelu", 1e-5),
                new PriorConfig(4, 32, 3, e, 77, 3),
                new ShapesDecoderConfig(e, 8, ShapesWorld.CANVAS, 4, List.of(128, 128, 64, 32, 16), 8));
    }

    /** The same parts at the smallest useful sizes, for tests that only check that training runs and learns. */
    public static ShapesArchitecture small() {
        int e = 32;
        return new ShapesArchitecture(
                new ClipTextConfig(49408, e, 2 * e, e, 1, 2, 77, "gelu", 1e-5, 49407),
                new ClipVisionConfig(32, 64, e, 1, 2, 3, ShapesWorld.CANVAS, 8, "gelu", 1e-5),
                new PriorConfig(2, 16, 1, e, 77, 3),
                new ShapesDecoderConfig(e, 4, ShapesWorld.CANVAS, 4, List.of(16, 16, 16, 8, 8), 4));
    }
}
