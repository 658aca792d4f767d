package dev.umbra.cli;

import picocli.CommandLine;

/** The version from the jar's manifest (unknown when run from classes). */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = UmbraCommand.class.getPackage().getImplementationVersion();
        return new String[] {"umbra-worker " + (v == null ? "(development build)" : v)};
    }
}
