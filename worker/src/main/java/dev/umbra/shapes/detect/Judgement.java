package dev.umbra.shapes.detect;

/**
 * How well one image shows its prompt, as counts over the prompt's objects (1 or 2).
 *
 * @param objects       objects the prompt asks for
 * @param colorHits     of those, how many were found with the right color
 * @param shapeHits     ... with the right shape
 * @param bothHits      ... with the right color and shape
 * @param relationHit   two-object prompts: both objects found with the right color and shape, in the named relation
 * @param positionHit   two-object prompts: the two objects, matched to the prompt's by their attributes, in the
 *                      named relation, whatever their attributes (the relation alone)
 */
public record Judgement(int objects, int colorHits, int shapeHits, int bothHits, boolean relationHit,
                        boolean positionHit) {}
