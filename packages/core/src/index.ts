export { pipelineSettings, type PipelineSettings } from './settings.ts';
