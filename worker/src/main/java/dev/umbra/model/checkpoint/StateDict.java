package dev.umbra.model.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import dev.umbra.model.ModelException;
import dev.umbra.model.nn.HfBlock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The bridge between DJL's parameter tree and a Hugging Face state dict: DJL names children
 * {@code 01text_model}, {@code 02...}; stripping that ordinal and joining with dots gives exactly the
 * checkpoint keys, because every block is declared under its Hugging Face name.
 */
public final class StateDict {

    private StateDict() {}

    /** Every parameter of {@code root} under its state-dict key, in declaration order. */
    public static Map<String, Parameter> parameters(Block root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect(root, "", out);
        return out;
    }

    /** The config shape of every parameter, by state-dict key. */
    public static Map<String, Shape> shapes(Block root) {
        Map<String, Shape> out = new LinkedHashMap<>();
        collectShapes(root, "", out);
        return out;
    }

    private static void collect(Block block, String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(prefix + p.getKey(), p.getValue());
        }
        PairList<String, Block> children = block.getChildren();
        for (int i = 0; i < children.size(); i++) {
            collect(children.get(i).getValue(), prefix + childName(children.get(i).getKey(), i) + ".", out);
        }
    }

    private static void collectShapes(Block block, String prefix, Map<String, Shape> out) {
        if (block instanceof HfBlock hf) {
            hf.parameterShapes().forEach((k, v) -> out.put(prefix + k, v));
        }
        PairList<String, Block> children = block.getChildren();
        for (int i = 0; i < children.size(); i++) {
            collectShapes(children.get(i).getValue(), prefix + childName(children.get(i).getKey(), i) + ".", out);
        }
    }

    private static String childName(String djlName, int index) {
        String ordinal = String.format(Locale.ROOT, "%02d", index + 1);
        if (!djlName.startsWith(ordinal)) {
            throw new IllegalStateException("unexpected DJL child name " + djlName + " at position " + index);
        }
        return djlName.substring(ordinal.length());
    }

    /**
     * Gives every parameter of {@code root} its tensor from {@code checkpoint}, converted to {@code dtype} on
     * {@code device}. The checkpoint must hold exactly the expected tensors with the config's shapes
     * (plus {@code ignorable} keys such as buffers that older exports carry); anything else is refused
     * with a message naming the tensor.
     */
    public static void load(Block root, Checkpoint checkpoint, NDManager manager, DataType dtype, Device device,
                            Set<String> ignorable) {
        Map<String, Parameter> params = parameters(root);
        Map<String, Shape> shapes = shapes(root);
        var entries = checkpoint.entries();
        List<String> missing = new ArrayList<>();
        for (String key : params.keySet()) {
            if (!entries.containsKey(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            throw new ModelException(checkpoint.dir() + ": checkpoint does not match its config: "
                    + missing.size() + " tensor(s) missing, e.g. " + first(missing));
        }
        Set<String> unexpected = new TreeSet<>();
        for (String key : entries.keySet()) {
            if (!params.containsKey(key) && !ignorable.contains(key)) {
                unexpected.add(key);
            }
        }
        if (!unexpected.isEmpty()) {
            throw new ModelException(checkpoint.dir() + ": checkpoint does not match its config: "
                    + unexpected.size() + " unexpected tensor(s), e.g. " + first(new ArrayList<>(unexpected)));
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String key = e.getKey();
            Shape expected = shapes.get(key);
            Shape actual = new Shape(entries.get(key).shape());
            if (!expected.equals(actual)) {
                throw new ModelException(checkpoint.dir() + ": checkpoint does not match its config: tensor "
                        + key + " has shape " + actual + ", the config implies " + expected);
            }
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray array = checkpoint.load(e.getKey(), manager);
            e.getValue().setArray(convert(array, dtype, device));
        }
    }

    private static NDArray convert(NDArray array, DataType dtype, Device device) {
        NDArray out = array;
        if (!out.getDevice().equals(device)) {
            NDArray moved = out.toDevice(device, false);
            out.close();
            out = moved;
        }
        if (out.getDataType() != dtype) {
            NDArray cast = out.toType(dtype, false);
            out.close();
            out = cast;
        }
        return out;
    }

    /** Every parameter's current value, by state-dict key: what {@link SafetensorsWriter} saves. */
    public static Map<String, NDArray> arrays(Block root) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        parameters(root).forEach((k, p) -> out.put(k, p.getArray()));
        return out;
    }

    private static String first(List<String> keys) {
        return keys.size() <= 3 ? String.join(", ", keys) : String.join(", ", keys.subList(0, 3)) + ", ...";
    }
}
