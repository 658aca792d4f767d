package dev.umbra.model;

/** Wall-clock milliseconds of each stage of one batch. */
public record StageTimings(double tokenizeMs, double textEncodeMs, double priorMs) {}
