package dev.umbra.kafka;

import java.util.Locale;

/**
 * What a worker process does. The prior is cheap and the decoder expensive, so a deployment may run them apart and
 * scale each on its own consumer group's lag; the embeddings topic carries {@code PriorOutput}s between them.
 */
public enum WorkerRole {
    /** Prompts in, prior and decoders in one process, results out. */
    ALL("umbra-worker"),
    /** Prompts in, the prior only; OK answers out to the embeddings topic, every other answer to the results topic. */
    PRIOR("umbra-worker"),
    /** The prior's outputs in from the embeddings topic, the decoder pool, results out. */
    DECODER("umbra-decoder");

    private final String defaultGroupId;

    WorkerRole(String defaultGroupId) {
        this.defaultGroupId = defaultGroupId;
    }

    /** The consumer group a worker of this role joins unless told otherwise. */
    public String defaultGroupId() {
        return defaultGroupId;
    }

    /** The role as the command line spells it: {@code all}, {@code prior}, {@code decoder}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code all}, {@code prior} or {@code decoder}, ignoring case. */
    public static WorkerRole parse(String text) {
        for (WorkerRole role : values()) {
            if (role.cliName().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return role;
            }
        }
        throw new IllegalArgumentException("--role must be all, prior or decoder (got '" + text + "')");
    }
}
