"""Django's migration executor, for the tests that migrate the database back to write rows as
they were and then forward again (``tests/**/test_*migration*.py``), without its slowest step.

To migrate backwards, Django first walks every migration of the project, from the first one it
will undo to the last one applied, with the models of the state rendered (``state.apps``): each
step then renders again every model related to what it changed, and here nearly every model is
related to the user model. That walk took 55 s of the free-text municipalities test's minute on a
loaded machine (27 migrations to undo, 91 walked). This executor walks the same migrations in the
same order without the rendered models (a plain ``ProjectState``, as Django's own forward plan and
``_create_project_state`` keep it), and renders the state before each migration once, just before
undoing that migration (0.3 s each). The states, the operations run on the database and the rows
in ``django_migrations`` are Django's own; only when the models are rendered changes.
"""

from django.db.migrations.executor import MigrationExecutor


class LazyRenderingMigrationExecutor(MigrationExecutor):
    """``MigrationExecutor`` whose backward migration renders each state only when it is used.

    ``_migrate_all_backwards`` follows Django 5.2's step by step, except the ``state.apps`` of
    the walk, which moves to just before ``unapply_migration``. The forward migration is Django's
    (it walks without rendering already).
    """

    def _migrate_all_backwards(self, plan, full_plan, fake):
        migrations_to_run = {migration for migration, _backwards in plan}
        states = {}  # the state before each migration to undo
        state = self._create_project_state()
        applied_migrations = {
            self.loader.graph.nodes[key]
            for key in self.loader.applied_migrations
            if key in self.loader.graph.nodes
        }
        for migration, _ in full_plan:
            if not migrations_to_run:
                break
            if migration in migrations_to_run:
                states[migration] = state
                state = migration.mutate_state(state, preserve=True)
                migrations_to_run.remove(migration)
            elif migration in applied_migrations:
                migration.mutate_state(state, preserve=False)

        for migration, _ in plan:
            before = states[migration]
            before.apps  # noqa: B018 (render now: unapplying clones the rendered models)
            self.unapply_migration(before, migration, fake=fake)
            del before.apps  # done with it; the models of 27 states are much memory
            applied_migrations.remove(migration)

        # The state after: from the state before the last migration undone, every migration
        # still applied after it (as Django does).
        last_unapplied_migration = plan[-1][0]
        state = states[last_unapplied_migration]
        for index, (migration, _) in enumerate(full_plan):
            if migration == last_unapplied_migration:
                for later, _ in full_plan[index:]:
                    if later in applied_migrations:
                        later.mutate_state(state, preserve=False)
                break
        return state
