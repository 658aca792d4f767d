package dev.umbra.jobs;

import dev.umbra.io.UsageException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code DIR/results.jsonl}, the job's record of what is done: append-only, one JSON object per line, at most one line
 * per request id (the first result wins; later ones are not written). Each line goes out in one write, so a
 * killed run leaves at worst a torn last line, which {@link #open} repairs. Not thread-safe: one job thread owns it.
 */
public final class ResultsFile implements AutoCloseable {

    public static final String FILE_NAME = "results.jsonl";

    private final OutputStream out;
    private final Map<String, String> statusById;
    private final String repair;

    private ResultsFile(OutputStream out, Map<String, String> statusById, String repair) {
        this.out = out;
        this.statusById = statusById;
        this.repair = repair;
    }

    /**
     * Reads what earlier runs wrote and opens the file for appending. A last line without its newline is a write cut
     * off by a kill: kept (newline added) when it is a whole result, dropped otherwise. Any other line that is not a
     * result means the file was edited by hand, and is refused.
     */
    public static ResultsFile open(Path file) throws IOException {
        Map<String, String> statusById = new HashMap<>();
        String repair = null;
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            int lastNewline = lastIndexOf(bytes, (byte) '\n');
            String whole = new String(bytes, 0, lastNewline + 1, StandardCharsets.UTF_8);
            String[] lines = whole.isEmpty() ? new String[0] : whole.split("\n", -1);
            for (int i = 0; i < lines.length - 1; i++) {   // the last element is what follows the last newline: ""
                String line = lines[i];
                int lineNumber = i + 1;
                String[] idAndStatus = parse(line);
                if (idAndStatus == null) {
                    throw new UsageException(file + ": line " + lineNumber + " is not a result; remove or repair it"
                            + " (a batch run only ever appends whole lines)");
                }
                statusById.putIfAbsent(idAndStatus[0], idAndStatus[1]);
            }
            if (lastNewline + 1 < bytes.length) {
                String tail = new String(bytes, lastNewline + 1, bytes.length - lastNewline - 1, StandardCharsets.UTF_8);
                String[] idAndStatus = parse(tail);
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    if (idAndStatus != null) {
                        channel.write(ByteBuffer.wrap(new byte[] {'\n'}), bytes.length);
                        statusById.putIfAbsent(idAndStatus[0], idAndStatus[1]);
                        repair = "completed a last line that lacked its newline (" + idAndStatus[0] + ")";
                    } else {
                        channel.truncate(lastNewline + 1);
                        repair = "dropped a torn last line (" + (bytes.length - lastNewline - 1) + " bytes)";
                    }
                    channel.force(true);
                }
            }
        }
        OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        return new ResultsFile(out, statusById, repair);
    }

    /** {request_id, status} of a whole result line, or null. */
    private static String[] parse(String line) {
        try {
            JsonObject json = new JsonObject(line);
            String id = json.getString("request_id");
            String status = json.getString("status");
            return id == null || status == null ? null : new String[] {id, status};
        } catch (DecodeException | ClassCastException e) {
            return null;
        }
    }

    private static int lastIndexOf(byte[] bytes, byte b) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** What {@link #open} had to mend, or null when the file was whole. */
    public String repair() {
        return repair;
    }

    public boolean has(String requestId) {
        return statusById.containsKey(requestId);
    }

    /** Status of each request id with a line. */
    public Map<String, String> statusById() {
        return Map.copyOf(statusById);
    }

    /**
     * Appends the result unless its request already has a line; returns whether it was written. The line is handed to
     * the operating system before this returns (it survives the process being killed, not the machine crashing).
     */
    public boolean append(String requestId, String status, JsonObject result) throws IOException {
        if (statusById.containsKey(requestId)) {
            return false;
        }
        out.write((result.encode() + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        statusById.put(requestId, status);
        return true;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
