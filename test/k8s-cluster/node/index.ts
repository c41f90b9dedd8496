// The Fargate-like node agent of the test cluster: plays the kubelet (virtual-kubelet style) for a
// real API server — registers a Node, runs bound pods in podman or as host processes behind a
// Fargate launch model, reports their status and serves `kubectl logs`. Entry point: main.ts.
export { type AgentConfig, readAgentConfig } from "./agent-config.js";
export { type RunningAgent, startAgent } from "./start-agent.js";
