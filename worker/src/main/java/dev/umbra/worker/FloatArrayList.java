package dev.umbra.worker;

import java.util.AbstractList;
import java.util.RandomAccess;

/** A read-only List view of a float[]: the Avro writer iterates it, so embeddings are not copied into boxed lists. */
public final class FloatArrayList extends AbstractList<Float> implements RandomAccess {

    private final float[] values;

    public FloatArrayList(float[] values) {
        this.values = values;
    }

    @Override
    public Float get(int index) {
        return values[index];
    }

    /** The values themselves (the list is a view: do not change them). */
    public float[] values() {
        return values;
    }

    @Override
    public int size() {
        return values.length;
    }
}
