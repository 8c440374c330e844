import { FerryError } from '../core/index.js';

/** The errors a registry lookup raises, each saying what to do next. */
export const registryErrors = {
  modelNotFound: (model: string) =>
    new FerryError(
      'MODEL_NOT_FOUND',
      `model '${model}' does not exist; \`ferry models list\` shows the models`,
      {
        details: { model },
      },
    ),

  versionNotFound: (model: string, version: number) =>
    new FerryError(
      'VERSION_NOT_FOUND',
      `model '${model}' has no version ${version}; \`ferry models show ${model}\` lists its versions`,
      { details: { model, version } },
    ),

  aliasNotResolved: (model: string, alias: string) =>
    new FerryError(
      'VERSION_NOT_FOUND',
      `model '${model}' has no alias '${alias}'; \`ferry models show ${model}\` lists its aliases and versions`,
      { details: { model, alias } },
    ),

  noVersions: (model: string) =>
    new FerryError('VERSION_NOT_FOUND', `model '${model}' has no versions yet; push one first`, {
      details: { model },
    }),

  aliasNotFound: (model: string, alias: string) =>
    new FerryError(
      'ALIAS_NOT_FOUND',
      `model '${model}' has no alias '${alias}'; \`ferry models show ${model}\` lists its aliases`,
      { details: { model, alias } },
    ),

  versionInUse: (model: string, version: number, aliases: readonly string[]) =>
    new FerryError(
      'VERSION_IN_USE',
      `version ${version} of model '${model}' is still the target of ${aliases
        .map((alias) => `alias '${alias}'`)
        .join(', ')}; move or delete ${aliases.length === 1 ? 'that alias' : 'those aliases'} first`,
      { details: { model, version, aliases } },
    ),
};
