package dev.umbra.worker;

import java.util.AbstractList;
import java.util.List;
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

    /** The values of any list of floats: this list's own array (do not change it), or a copy of another's. */
    public static float[] values(List<Float> list) {
        if (list instanceof FloatArrayList own) {
            return own.values;
        }
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
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
