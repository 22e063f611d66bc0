package io.tollgate.policy.source;

import java.nio.file.Path;

/**
 * Reads contracts in one notation into the {@link io.tollgate.policy.model.Policy} model. Every
 * implementation reports every problem it finds with file, line and JSON pointer, and never returns
 * a policy built from a document that had a problem.
 */
public interface PolicySource {

  /**
   * @param file the name to report in diagnostics
   * @param baseDir where relative references resolve, or null
   * @param text the document text
   */
  SourceResult read(String file, Path baseDir, String text);
}
