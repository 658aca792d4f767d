package dev.umbra.model;

import java.util.List;

/** Which weights a model was loaded from, so that every output can be traced to exact files. */
public record ModelIdentity(String name, List<Component> components) {

    /** One loaded part: its role (tokenizer, text_encoder, prior), folder name and SHA-256 of its files. */
    public record Component(String role, String name, String sha256) {}
}
