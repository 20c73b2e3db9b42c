'use client';
import '@xyflow/react/dist/style.css';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
  useReactFlow,
  useStore,
} from '@xyflow/react';
import { CircleAlert, GitBranch, Play, Zap } from 'lucide-react';
import { useEffect, useMemo } from 'react';
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH, type RuleGraph, type RuleNode } from '@/lib/rules/graph';
import { cn } from '@/lib/utils';

type NodeData = RuleNode & {
  selected: boolean;
  hasIssues: boolean;
  /** A trace's status for this node, when showing the path a run took. */
  traced?: string;
  dimmed: boolean;
  onSelect?: (pointer: string) => void;
};

const kindIcon = { trigger: Zap, condition: GitBranch, step: Play };
const kindName = { trigger: 'Trigger', condition: 'Condition', step: 'Step' };
const traceTone: Record<string, string> = {
  ok: 'ring-emerald-600',
  true: 'ring-emerald-600',
  simulated: 'ring-sky-600',
  waiting: 'ring-sky-600',
  false: 'ring-amber-600',
  skipped: 'ring-amber-600',
  error: 'ring-destructive',
  cancelled: 'ring-amber-600',
};

function RuleNodeView({ data }: NodeProps<Node<NodeData>>) {
  const Icon = kindIcon[data.kind];
  const label = `${kindName[data.kind]}: ${data.title}. ${data.detail}${data.hasIssues ? '. Has problems' : ''}${
    data.traced ? `. In this run: ${data.traced}` : ''
  }`;
  const body = (
    <>
      <span className="flex items-center gap-1.5 text-xs font-medium uppercase tracking-wide text-muted-foreground">
        <Icon className="size-3.5" aria-hidden="true" />
        {kindName[data.kind]}
        {data.traced && <span className="ml-auto normal-case">{data.traced}</span>}
        {data.hasIssues && <CircleAlert className="ml-auto size-4 text-destructive" aria-hidden="true" />}
      </span>
      <span className="block truncate text-sm font-semibold">{data.title}</span>
      <span className="block truncate text-xs text-muted-foreground">{data.detail}</span>
    </>
  );
  const classes = cn(
    'block h-full w-full rounded-md border bg-card px-3 py-2 text-left shadow-sm outline-none',
    data.kind === 'trigger' && 'border-l-4 border-l-primary',
    data.kind === 'condition' && 'border-l-4 border-l-amber-500',
    data.kind === 'step' && 'border-l-4 border-l-emerald-600',
    data.selected && 'ring-2 ring-ring',
    data.hasIssues && 'border-destructive',
    data.traced && `ring-2 ${traceTone[data.traced] ?? 'ring-muted-foreground'}`,
    data.dimmed && 'opacity-45',
    data.onSelect && 'cursor-pointer hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring',
  );
  return (
    <div style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}>
      <Handle type="target" position={Position.Top} isConnectable={false} className="!opacity-0" />
      {data.onSelect ? (
        <button
          type="button"
          className={classes}
          aria-label={label}
          aria-pressed={data.selected}
          data-pointer={data.id}
          onClick={() => data.onSelect!(data.id)}
        >
          {body}
        </button>
      ) : (
        <div className={classes} role="img" aria-label={label} data-pointer={data.id}>
          {body}
        </div>
      )}
      <Handle type="source" position={Position.Bottom} isConnectable={false} className="!opacity-0" />
    </div>
  );
}

const nodeTypes = { rule: RuleNodeView };
const fitOptions = { padding: 0.1, minZoom: 0.5, maxZoom: 1 };

/** Fits the diagram again when its box changes size (a phone turned, a window resized). */
function FitOnResize() {
  const { fitView } = useReactFlow();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  useEffect(() => {
    if (width > 0 && height > 0) void fitView(fitOptions);
  }, [width, height, fitView]);
  return null;
}

/**
 * The rule drawn with @xyflow/react, laid out by dagre (ADR 0019). Nothing is dragged or
 * connected by hand: the layout follows the definition. Each node is a button (Tab reaches
 * them in rule order, Enter opens its form); the canvas pans and zooms.
 */
export function RuleFlow({
  graph,
  selected,
  issuePointers,
  trace,
  onSelect,
  label,
  className,
}: {
  graph: RuleGraph;
  selected?: string | null;
  issuePointers?: ReadonlySet<string>;
  trace?: ReadonlyMap<string, string>;
  onSelect?: (pointer: string) => void;
  label: string;
  className?: string;
}) {
  const { nodes, edges, height } = useMemo(() => {
    const positions = layoutGraph(graph);
    // Tall enough that a rule reads at close to full size; long ones pan.
    const bottom = Math.max(0, ...[...positions.values()].map((p) => p.y)) + NODE_HEIGHT;
    const height = Math.round(Math.min(Math.max(bottom * 0.85 + 48, 320), 720));
    const nodes: Node<NodeData>[] = graph.nodes.map((n) => ({
      id: n.id,
      type: 'rule',
      position: positions.get(n.id)!,
      data: {
        ...n,
        selected: selected === n.id,
        hasIssues: issuePointers?.has(n.id) ?? false,
        ...(trace?.has(n.id) ? { traced: trace.get(n.id)! } : {}),
        // Off the path: neither traced nor inside something traced (a trigger's filter held when it fired).
        dimmed: trace !== undefined && ![...trace.keys()].some((p) => n.id === p || n.id.startsWith(`${p}/`)),
        ...(onSelect ? { onSelect } : {}),
      },
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
    }));
    const edges: Edge[] = graph.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      ...(e.label ? { label: e.label } : {}),
      markerEnd: { type: MarkerType.ArrowClosed },
      animated: trace !== undefined && trace.has(e.source) && trace.has(e.target),
    }));
    return { nodes, edges, height };
  }, [graph, selected, issuePointers, trace, onSelect]);

  return (
    <figure className="grid gap-1">
      <section
        aria-label={label}
        className={cn('rounded-lg border border-border', className)}
        style={className ? undefined : { height }}
      >
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          zoomOnScroll={false}
          preventScrolling={false}
          panOnScroll={false}
          fitView
          fitViewOptions={fitOptions}
          // Credited in a readable link below instead (the built-in one is too small a touch target).
          proOptions={{ hideAttribution: true }}
          minZoom={0.25}
          maxZoom={1.5}
        >
          <Background gap={20} />
          <Controls showInteractive={false} />
          <FitOnResize />
        </ReactFlow>
      </section>
      <figcaption className="text-xs text-muted-foreground">
        Drag to pan; the buttons zoom. Diagram drawn with{' '}
        <a href="https://reactflow.dev" className="underline" target="_blank" rel="noreferrer">
          React Flow
        </a>
        .
      </figcaption>
    </figure>
  );
}
