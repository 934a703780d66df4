//! Kahn's topological sort, the one both orderings use: a model's create
//! steps (`graph`) and a plan's changes (`plan::order`). The caller picks
//! which ready node goes next, so each keeps its own tie-breaks.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

pub(crate) struct Kahn {
    graph: DiGraph<(), ()>,
    /// Edges into each node from nodes not placed yet.
    waiting: Vec<usize>,
}

impl Kahn {
    /// `n` nodes and the edges (first, then) between them.
    pub(crate) fn new(n: usize, edges: impl IntoIterator<Item = (usize, usize)>) -> Kahn {
        let mut graph = DiGraph::with_capacity(n, n);
        for _ in 0..n {
            graph.add_node(());
        }
        let mut waiting = vec![0; n];
        for (a, b) in edges {
            graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
            waiting[b] += 1;
        }
        Kahn { graph, waiting }
    }

    /// The nodes that wait for nothing.
    pub(crate) fn roots(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.waiting.len()).filter(|&i| self.waiting[i] == 0)
    }

    /// Places `i`: each node that then waits for nothing goes to `ready`.
    pub(crate) fn place(&mut self, i: usize, mut ready: impl FnMut(usize)) {
        for next in self
            .graph
            .neighbors_directed(NodeIndex::new(i), Direction::Outgoing)
        {
            let n = next.index();
            self.waiting[n] -= 1;
            if self.waiting[n] == 0 {
                ready(n);
            }
        }
    }

    /// The edges, for finding a cycle among what could not be placed.
    pub(crate) fn graph(&self) -> &DiGraph<(), ()> {
        &self.graph
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
        let mut k = Kahn::new(n, edges.iter().copied());
        let mut ready: Vec<usize> = k.roots().collect();
        let mut out = vec![];
        while let Some(i) = ready.pop() {
            out.push(i);
            k.place(i, |r| ready.push(r));
        }
        out
    }

    #[test]
    fn each_node_after_what_it_waits_for_and_cycles_left_out() {
        assert_eq!(sorted(3, &[(2, 1), (1, 0)]), [2, 1, 0]);
        // A repeated edge waits twice and is released twice.
        assert_eq!(sorted(2, &[(1, 0), (1, 0)]), [1, 0]);
        assert_eq!(sorted(3, &[(0, 1), (1, 0)]), [2]);
    }
}
