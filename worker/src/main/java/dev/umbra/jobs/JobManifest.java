package dev.umbra.jobs;

import dev.umbra.io.UsageException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code DIR/job.json}: what a job directory was made for. A rerun into the directory must be the same job (same
 * prompts, images and seed), since its request ids, seeds and results stand for those lines; anything else is refused
 * before a request is sent.
 *
 * @param jobId         prefix of every request id; also names the job's consumer group
 * @param promptsSha256 SHA-256 of the prompts file's bytes, hex
 * @param lines         prompt lines in the file: the job is done when each has exactly one result
 * @param images        num_images of every request
 * @param seed          line i (from 0) uses seed + i * images, so a resumed job makes the same pictures
 * @param created       when the job was first started
 */
public record JobManifest(String jobId, String promptsSha256, int lines, int images, long seed, Instant created) {

    public static final String FILE_NAME = "job.json";

    /** A job id becomes part of request ids, image folders and a consumer group name: plain characters only. */
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");

    public static void checkJobId(String jobId) {
        if (!JOB_ID.matcher(jobId).matches()) {
            throw new UsageException("--job-id \"" + jobId + "\": use 1 to 64 letters, digits, '-', '_' or '.'"
                    + " (not starting with '.')");
        }
    }

    /** The request id of line {@code index} (from 0): the job id and the line number from 1, as an editor counts. */
    public String requestId(int index) {
        return String.format(Locale.ROOT, "%s-%06d", jobId, index + 1);
    }

    /** The line index (from 0) of a request id of this job, or -1 for any other id. */
    public int lineIndex(String requestId) {
        String prefix = jobId + "-";
        if (!requestId.startsWith(prefix)) {
            return -1;
        }
        try {
            int line = Integer.parseInt(requestId.substring(prefix.length()));
            return line >= 1 && line <= lines && requestId(line - 1).equals(requestId) ? line - 1 : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public long seedOf(int index) {
        return seed + (long) index * images;
    }

    /** Null when {@code dir} has no manifest yet. */
    public static JobManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
            return new JobManifest(json.getString("job_id"), json.getString("prompts_sha256"),
                    json.getInteger("prompt_lines"), json.getInteger("images"), json.getLong("seed"),
                    Instant.parse(json.getString("created")));
        } catch (DecodeException | ClassCastException | NullPointerException | java.time.DateTimeException e) {
            throw new UsageException(file + ": not a batch job manifest (" + e.getMessage() + ")");
        }
    }

    /** Written aside and moved into place, so that a killed run never leaves half a manifest. */
    public void write(Path dir) throws IOException {
        JsonObject json = new JsonObject().put("job_id", jobId).put("prompts_sha256", promptsSha256)
                .put("prompt_lines", lines).put("images", images).put("seed", seed).put("created", created.toString());
        Path part = dir.resolve(FILE_NAME + ".part");
        Files.writeString(part, json.encodePrettily() + "\n", StandardCharsets.UTF_8);
        Files.move(part, dir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Refuses a run whose prompts or settings differ from this job's; null settings (not given on the command line)
     * take the job's.
     */
    public void checkSameJob(Path dir, String jobId, String promptsSha256, int lines, Integer images, Long seed) {
        List<String> differences = new ArrayList<>();
        if (jobId != null && !jobId.equals(this.jobId)) {
            differences.add("job id " + jobId + " (the directory's: " + this.jobId + ")");
        }
        if (!promptsSha256.equals(this.promptsSha256) || lines != this.lines) {
            differences.add(String.format(Locale.ROOT, "another prompts file (%d line(s), SHA-256 %.12s...; the job's: %d"
                    + " line(s), %.12s...)", lines, promptsSha256, this.lines, this.promptsSha256));
        }
        if (images != null && images != this.images) {
            differences.add("--images " + images + " (the job's: " + this.images + ")");
        }
        if (seed != null && seed != this.seed) {
            differences.add("--seed " + seed + " (the job's: " + this.seed + ")");
        }
        if (!differences.isEmpty()) {
            throw new UsageException(dir + " holds batch job " + this.jobId + "; this run differs: "
                    + String.join("; ", differences) + ". Resume it with the same prompts file and settings, or use"
                    + " another --out.");
        }
    }
}
