/**
 * Options from outside the command line: a configuration file ({@code --config}, YAML or properties) and
 * {@code UMBRA_*} environment variables, validated before a command runs. Precedence: command line, then
 * environment, then file, then the option's own default. docs/configuration.md lists every key.
 */
package dev.umbra.config;
