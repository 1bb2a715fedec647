package server

import (
	"context"
	"errors"
	"time"

	"github.com/raftvec/raftvec/builder"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/telemetry"
)

// taskPoll is how often a node looks for tasks assigned to it: an index
// build waits for it after its segment is flushed (a local read of the
// metadata state, cheap).
const taskPoll = 100 * time.Millisecond

// watchTasks runs the compaction, index-build and import tasks the
// coordinator assigned to this node, one at a time, and reports each
// done. A failed task is retried, after a wait that doubles up to
// maxTaskBackoff (taskRetries); if this node goes away the coordinator
// reassigns it.
func (s *Server) watchTasks(ctx context.Context) {
	t := time.NewTicker(taskPoll)
	defer t.Stop()
	retries := taskRetries{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			var mine []coordinator.Task
			for _, task := range s.coord.Tasks() {
				if task.State == coordinator.TaskAssigned && task.Assignee == s.cfg.NodeID {
					mine = append(mine, task)
				}
			}
			retries.keep(mine)
			for _, task := range mine {
				if retries.due(task, time.Now()) {
					retries.record(task, s.runTask(ctx, task) == telemetry.TaskFailed, time.Now())
				}
			}
		}
	}
}

func (s *Server) runTask(ctx context.Context, task coordinator.Task) string {
	start := time.Now()
	outcome := s.runTaskOnce(ctx, task)
	kind := telemetry.TaskCompaction
	if task.Kind == coordinator.TaskIndex {
		kind = telemetry.TaskIndex
	}
	s.metrics.Tasks.Observe(kind, outcome, time.Since(start))
	return outcome
}

// runTaskOnce runs a task and reports it done; it returns the outcome
// (telemetry.TaskOK, TaskFailed or TaskStale).
func (s *Server) runTaskOnce(ctx context.Context, task coordinator.Task) string {
	var coll *coordinator.Collection
	for _, c := range s.coord.Collections() {
		if c.ID == task.Collection {
			coll = c
		}
	}
	tctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	outcome := telemetry.TaskOK
	if coll != nil {
		if err := s.worker.Run(tctx, coll, task); errors.Is(err, builder.ErrStaleBuild) {
			s.logger.Info("task reassigned meanwhile; result dropped", "task", task.ID, "kind", task.Kind)
			return telemetry.TaskStale
		} else if errors.Is(err, builder.ErrStaleTask) {
			outcome = telemetry.TaskStale // its inputs are gone: done, with nothing to do
		} else if err != nil {
			s.logger.Warn("task failed; retrying", "task", task.ID, "kind", task.Kind, "error", err)
			return telemetry.TaskFailed
		}
	} else {
		outcome = telemetry.TaskStale // the collection is gone: nothing to build
	}
	if err := s.coord.FinishTask(tctx, task.ID, task.Token); errors.Is(err, coordinator.ErrInvalid) {
		s.logger.Info("task reassigned meanwhile; report refused", "task", task.ID, "kind", task.Kind, "error", err)
		return telemetry.TaskStale
	} else if err != nil {
		s.logger.Warn("finishing task", "task", task.ID, "kind", task.Kind, "error", err)
		return telemetry.TaskFailed
	}
	return outcome
}
