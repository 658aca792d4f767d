package dev.umbra.model.checkpoint;

import ai.djl.ndarray.types.DataType;

/** The safetensors dtypes this code reads and writes. */
public enum TensorType {
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.FLOAT32), // widened to F32 in Java: DJL 0.36 aborts the JVM on BF16
    I64(8, DataType.INT64),
    I32(4, DataType.INT32);

    private final int bytes;
    private final DataType djlType;

    TensorType(int bytes, DataType djlType) {
        this.bytes = bytes;
        this.djlType = djlType;
    }

    public int bytes() {
        return bytes;
    }

    /** The DJL type the raw bytes are handed to DJL as. */
    DataType djlType() {
        return djlType;
    }

    static TensorType parse(String name) {
        for (TensorType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
