import { RESOURCE_TYPES, ResourceRegistry } from '../../server/embedded/apiserver/registry.ts';
import { CUSTOM_RESOURCE_STRATEGY } from '../../server/embedded/apiserver/strategy.ts';
import type { ResourceType } from '../../server/embedded/apiserver/types.ts';

/**
 * A CRD-backed kind as a CustomResourceDefinition would register it (schema per version),
 * for tests of what the API does with any kind's `openAPIV3Schema`.
 */
export const WIDGET: ResourceType = {
  group: 'deck.example.com',
  versions: ['v1'],
  kind: 'Widget',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
  shortNames: ['wd'],
  strategy: CUSTOM_RESOURCE_STRATEGY,
  schemas: {
    v1: {
      type: 'object',
      description: 'A Widget routes requests by path.',
      properties: {
        spec: {
          type: 'object',
          description: 'What the widget does.',
          required: ['size'],
          properties: {
            size: { type: 'integer', format: 'int32', description: 'How many copies run.' },
            rules: {
              type: 'array',
              description: 'Rules matched in order.',
              items: {
                type: 'object',
                properties: {
                  path: {
                    type: 'object',
                    description: 'The request path to match.',
                    properties: {
                      type: { type: 'string', enum: ['Exact', 'PathPrefix', 'RegularExpression'], default: 'PathPrefix', description: 'How to match the path.' },
                      value: { type: 'string', description: 'The path to match.' },
                    },
                  },
                },
              },
            },
            labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Labels to copy.' },
            extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'Free-form settings.' },
          },
        },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

/** The embedded API's kinds plus WIDGET. */
export const registryWithWidget = () => new ResourceRegistry([...RESOURCE_TYPES, WIDGET]);
