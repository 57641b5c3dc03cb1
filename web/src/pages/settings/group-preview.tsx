/**
 * The live preview of an unsaved rule: while the rule is typed, the server's dry run (the same
 * evaluator as saving) says which machines it would take, or why it would be refused.
 */
import { Alert, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData } from '@tanstack/react-query';
import { api } from '../../api';
import { ErrorNotice } from '../../components/notices';

/** How long typing pauses before the rule is tried. */
const DEBOUNCE_MS = 400;

export function RulePreview({ rule }: { rule: string }) {
  const [typed] = useDebouncedValue(rule.trim(), DEBOUNCE_MS);
  const preview = api.useQuery(
    'post',
    '/api/v1/groups/preview',
    { body: { kind: 'rule', rule: typed } },
    { enabled: typed !== '', placeholderData: keepPreviousData, staleTime: 5_000 },
  );
  const stale = typed !== rule.trim() || preview.isFetching;
  return (
    <div aria-live="polite" aria-busy={stale} data-testid="rule-preview">
      {typed === '' ? (
        <Text size="sm" c="dimmed">
          Type a rule to see which machines it takes.
        </Text>
      ) : preview.error ? (
        <ErrorNotice error={preview.error} title="The preview is not available" />
      ) : !preview.data ? (
        <Text size="sm" c="dimmed">
          Trying the rule…
        </Text>
      ) : preview.data.error ? (
        <Alert color="red" variant="light" title="This rule would not be saved" p="xs">
          <Text size="sm">
            {preview.data.error.message}{' '}
            <Text span size="sm" c="dimmed">
              ({preview.data.error.code})
            </Text>
          </Text>
        </Alert>
      ) : (
        <Text size="sm" c={stale ? 'dimmed' : undefined}>
          <b>
            This rule takes {preview.data.count} {preview.data.count === 1 ? 'machine' : 'machines'}
            {preview.data.count > 0 ? ':' : '.'}
          </b>{' '}
          {preview.data.machines.join(', ')}
          {preview.data.count > preview.data.machines.length
            ? ` and ${preview.data.count - preview.data.machines.length} more`
            : ''}
        </Text>
      )}
    </div>
  );
}
