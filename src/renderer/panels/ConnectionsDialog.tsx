import {
  Badge,
  Body1,
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Spinner,
  Subtitle2,
  Textarea
} from '@fluentui/react-components'
import {
  AddRegular,
  CheckmarkCircleFilled,
  CircleRegular,
  DeleteRegular,
  DismissCircleFilled,
  DismissRegular,
  EditRegular,
  LockClosedRegular,
  PlugConnectedRegular
} from '@fluentui/react-icons'
import { useCallback, useEffect, useRef, useState } from 'react'
import { campaignAuthMethods, dynamicsAuthMethods } from '../../shared/connections'
import type { ConnectionSummary, ConnectionTestReport } from '../../shared/contract'
import type { System } from '../../shared/schema/model'
import type { Client } from '../api/client'
import { useSchemaStore } from '../state/schema-store'
import { authLabels, defaultsFor, fieldsFor, secretLabel, toConnection, valuesOf, type FormValues } from './connection-form'
import { messageOf, systemLabel } from './format'
import './panels.css'

type TestState = { status: 'running' } | { status: 'done'; report: ConnectionTestReport } | { status: 'failed'; message: string }
type Editing = { mode: 'create'; system: System } | { mode: 'edit'; summary: ConnectionSummary }

const stepLabels: Record<ConnectionTestReport['steps'][number]['step'], string> = {
  reach: 'Reach the service',
  signIn: 'Sign in',
  metadata: 'Read metadata',
  count: 'Count records'
}
const stepOrder = ['reach', 'signIn', 'metadata', 'count'] as const

/** A connection the app did not create: its settings cannot be edited here (the service is as writable as any). "Read-only" read as if runs could not write to it. */
function sourceBadge(summary: ConnectionSummary) {
  const { source } = summary.profile
  if (source === 'sandbox')
    return (
      <Badge appearance="tint" color="brand">
        Built-in Sandbox · settings fixed
      </Badge>
    )
  if (source === 'env')
    return (
      <Badge appearance="tint" color="informative">
        From environment variables · settings fixed
      </Badge>
    )
  return null
}

function addressOf(summary: ConnectionSummary): string {
  const profile = summary.profile
  if (profile.system === 'dynamics') return profile.environmentUrl
  return profile.baseUrl ?? (profile.orgId ? `organization ${profile.orgId}` : '')
}

function secretText(summary: ConnectionSummary): string {
  if (!summary.needsSecret) return 'signs in interactively, no secret stored'
  return summary.hasSecret ? 'secret stored' : 'no secret stored — edit to add one'
}

export function ConnectionsDialog(props: { client: Client; open: boolean; onClose: () => void }) {
  const { client, open, onClose } = props
  const [connections, setConnections] = useState<ConnectionSummary[]>()
  const [listError, setListError] = useState<string>()
  const [editing, setEditing] = useState<Editing>()
  const [tests, setTests] = useState<Record<string, TestState>>({})
  const [confirmDelete, setConfirmDelete] = useState<string>()
  const [notice, setNotice] = useState<string>()
  const testRuns = useRef(new Map<string, number>())

  const load = useCallback(async () => {
    setListError(undefined)
    try {
      const { connections } = await client.call('connections/list', {})
      setConnections(connections)
    } catch (error) {
      setListError(messageOf(error))
    }
  }, [client])

  useEffect(() => {
    if (!open) return
    setEditing(undefined)
    setConfirmDelete(undefined)
    setNotice(undefined)
    void load()
  }, [open, load])

  const runTest = async (id: string) => {
    // A second click (or a test of an edited connection) makes the earlier answer stale.
    const run = (testRuns.current.get(id) ?? 0) + 1
    testRuns.current.set(id, run)
    setTests((current) => ({ ...current, [id]: { status: 'running' } }))
    let next: TestState
    try {
      next = { status: 'done', report: await client.call('connections/test', { id }) }
    } catch (error) {
      next = { status: 'failed', message: messageOf(error) }
    }
    if (testRuns.current.get(id) === run) setTests((current) => ({ ...current, [id]: next }))
  }

  const remove = async (summary: ConnectionSummary) => {
    try {
      const { connections } = await client.call('connections/delete', { id: summary.profile.id })
      setConnections(connections)
      setNotice(`Deleted “${summary.profile.name}” and its stored secret.`)
      useSchemaStore.getState().refresh()
    } catch (error) {
      setNotice(messageOf(error))
    }
    setConfirmDelete(undefined)
  }

  const saved = async (summary: ConnectionSummary, created: boolean) => {
    setEditing(undefined)
    testRuns.current.set(summary.profile.id, (testRuns.current.get(summary.profile.id) ?? 0) + 1)
    setTests((current) => {
      const { [summary.profile.id]: _dropped, ...rest } = current
      return rest
    })
    setNotice(`${created ? 'Created' : 'Saved'} “${summary.profile.name}”. Test it to check it signs in.`)
    useSchemaStore.getState().refresh()
    await load()
  }

  const card = (summary: ConnectionSummary) => {
    const { profile } = summary
    const test = tests[profile.id]
    return (
      <article
        key={profile.id}
        className="ssp-conn"
        aria-label={`${systemLabel(profile.system)} connection ${profile.name}`}
        data-connection-id={profile.id}
      >
        <div className="ssp-conn__head">
          <div className="ssp-conn__title">
            <Subtitle2>{profile.name}</Subtitle2>
            {sourceBadge(summary)}
          </div>
          <div className="ssp-row">
            <Button
              size="small"
              icon={<PlugConnectedRegular />}
              onClick={() => void runTest(profile.id)}
              disabled={test?.status === 'running'}
            >
              Test
            </Button>
            {!profile.readOnly && (
              <>
                <Button size="small" icon={<EditRegular />} onClick={() => setEditing({ mode: 'edit', summary })}>
                  Edit
                </Button>
                <Button size="small" icon={<DeleteRegular />} onClick={() => setConfirmDelete(profile.id)}>
                  Delete
                </Button>
              </>
            )}
          </div>
        </div>
        <Caption1 className="ssp-quiet ssp-conn__meta">
          <span className="ssp-mono">{addressOf(summary)}</span> · {authLabels[profile.authMethod]} · {secretText(summary)}
        </Caption1>
        {confirmDelete === profile.id && (
          <MessageBar intent="warning" className="ssp-conn__confirm" role="alertdialog" aria-label={`Delete ${profile.name}?`}>
            <MessageBarBody>
              Delete “{profile.name}” and its stored secret? Mappings that name it will need another connection.
            </MessageBarBody>
            <div className="ssp-row">
              <Button size="small" appearance="primary" onClick={() => void remove(summary)}>
                Delete
              </Button>
              <Button size="small" onClick={() => setConfirmDelete(undefined)}>
                Keep it
              </Button>
            </div>
          </MessageBar>
        )}
        {test?.status === 'running' && (
          <Spinner size="tiny" label="Testing: reach → sign in → metadata → count…" labelPosition="after" className="ssp-conn__running" />
        )}
        {test?.status === 'failed' && (
          <MessageBar intent="error">
            <MessageBarBody>{test.message}</MessageBarBody>
          </MessageBar>
        )}
        {test?.status === 'done' && <TestReportView report={test.report} />}
      </article>
    )
  }

  const group = (system: System) => {
    const items = (connections ?? []).filter((summary) => summary.profile.system === system)
    return (
      <section className="ssp-conn-group" aria-label={`${systemLabel(system)} connections`}>
        <div className="ssp-conn-group__head">
          <Subtitle2>{systemLabel(system)}</Subtitle2>
          <Button size="small" appearance="subtle" icon={<AddRegular />} onClick={() => setEditing({ mode: 'create', system })}>
            New {systemLabel(system)} connection
          </Button>
        </div>
        {items.length === 0 ? <Caption1 className="ssp-quiet">No {systemLabel(system)} connection yet.</Caption1> : items.map(card)}
      </section>
    )
  }

  return (
    <Dialog open={open} onOpenChange={(_event, data) => !data.open && onClose()} modalType="modal">
      <DialogSurface className="ssp-conn-surface" aria-label="Connections">
        <DialogBody className="ssp-conn-body">
          <DialogTitle action={<Button appearance="subtle" aria-label="Close" icon={<DismissRegular />} onClick={onClose} />}>
            {editing
              ? editing.mode === 'create'
                ? `New ${systemLabel(editing.system)} connection`
                : `Edit “${editing.summary.profile.name}”`
              : 'Connections'}
          </DialogTitle>
          <DialogContent className="ssp-conn-content">
            {editing ? (
              <ConnectionForm
                key={editing.mode === 'edit' ? editing.summary.profile.id : editing.system}
                client={client}
                editing={editing}
                onCancel={() => setEditing(undefined)}
                onSaved={saved}
              />
            ) : (
              <>
                <Body1 className="ssp-quiet">
                  Where Dynamics 365 and Campaign are, and how to sign in. Secrets go to the encrypted store of this machine and are never
                  shown again; mapping files name a connection, never hold it.
                </Body1>
                {notice && (
                  <MessageBar intent="info" role="status">
                    <MessageBarBody>{notice}</MessageBarBody>
                  </MessageBar>
                )}
                {listError && (
                  <MessageBar intent="error">
                    <MessageBarBody>
                      {listError}{' '}
                      <Button size="small" appearance="transparent" onClick={() => void load()}>
                        Try again
                      </Button>
                    </MessageBarBody>
                  </MessageBar>
                )}
                {!connections && !listError && <Spinner size="tiny" label="Reading connections…" />}
                {connections && (
                  <>
                    {group('dynamics')}
                    {group('campaign')}
                  </>
                )}
              </>
            )}
          </DialogContent>
          {!editing && (
            <DialogActions>
              <Button appearance="primary" onClick={onClose}>
                Done
              </Button>
            </DialogActions>
          )}
        </DialogBody>
      </DialogSurface>
    </Dialog>
  )
}

function TestReportView({ report }: { report: ConnectionTestReport }) {
  return (
    <div className="ssp-test" role="group" aria-label={`Test of ${report.name}`} data-testid="connection-test-report">
      <ol className="ssp-test__steps">
        {stepOrder.map((name) => {
          const step = report.steps.find((s) => s.step === name)
          const state = !step ? 'skipped' : step.ok ? 'ok' : 'failed'
          return (
            <li key={name} className={`ssp-test__step ssp-test__step--${state}`} data-step={name} data-state={state}>
              <span className="ssp-test__icon" aria-hidden="true">
                {state === 'ok' ? <CheckmarkCircleFilled /> : state === 'failed' ? <DismissCircleFilled /> : <CircleRegular />}
              </span>
              <span className="ssp-test__label">
                <span aria-label={state === 'ok' ? 'passed' : state === 'failed' ? 'failed' : 'not run'}>
                  {state === 'ok' ? '✓' : state === 'failed' ? '✗' : '–'}
                </span>{' '}
                {stepLabels[name]}
              </span>
              <span className="ssp-test__ms">{step ? `${Math.round(step.ms)} ms` : 'not run'}</span>
              {step?.ok && step.detail && <Caption1 className="ssp-test__detail">{step.detail}</Caption1>}
              {step?.error && (
                <Caption1 className="ssp-test__detail ssp-test__detail--error">
                  {step.error.message}
                  {step.error.code ? ` (${step.error.code})` : ''}
                  <br />
                  <strong>What to do:</strong> {step.error.hint}
                </Caption1>
              )}
            </li>
          )
        })}
      </ol>
      <MessageBar intent={report.ok ? 'success' : 'error'} data-testid="connection-test-summary">
        <MessageBarBody>
          {!report.ok && <MessageBarTitle>Test failed.</MessageBarTitle>}
          {report.summary}
        </MessageBarBody>
      </MessageBar>
    </div>
  )
}

function ConnectionForm(props: {
  client: Client
  editing: Editing
  onCancel: () => void
  onSaved: (summary: ConnectionSummary, created: boolean) => void
}) {
  const { client, editing } = props
  const system = editing.mode === 'create' ? editing.system : editing.summary.profile.system
  const [values, setValues] = useState<FormValues>(() =>
    editing.mode === 'create' ? defaultsFor(system) : valuesOf(editing.summary.profile)
  )
  const [secret, setSecret] = useState('')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [failure, setFailure] = useState<string>()
  const [busy, setBusy] = useState(false)
  const authMethod = values.authMethod
  const methods = system === 'dynamics' ? dynamicsAuthMethods : campaignAuthMethods
  const secretName = secretLabel(system, authMethod)
  const storedSecret = editing.mode === 'edit' && editing.summary.hasSecret && editing.summary.profile.authMethod === authMethod

  const set = (name: string, value: string) => {
    setValues((current) => ({ ...current, [name]: value }))
    setErrors(({ [name]: _dropped, ...rest }) => rest)
  }

  const signInMethod = (
    <Field key="authMethod" label="Sign-in method" required>
      <Select value={authMethod} onChange={(_event, data) => set('authMethod', data.value)}>
        {methods.map((method) => (
          <option key={method} value={method}>
            {authLabels[method]}
          </option>
        ))}
      </Select>
    </Field>
  )

  const submit = async () => {
    setFailure(undefined)
    const result = toConnection(system, values)
    const problems: Record<string, string> = result.ok ? {} : { ...result.errors }
    if (secretName && !secret && !storedSecret) problems.secret = `Enter the ${secretName.toLowerCase()}: sign-in needs it.`
    if (!result.ok || Object.keys(problems).length > 0) {
      setErrors(problems)
      return
    }
    setBusy(true)
    try {
      if (editing.mode === 'create') {
        const { connection } = await client.call('connections/create', { connection: result.connection, secret: secret || undefined })
        props.onSaved(connection, true)
      } else {
        const { system: _system, ...changes } = result.connection
        const { connection } = await client.call('connections/update', {
          id: editing.summary.profile.id,
          changes,
          secret: secret || undefined
        })
        props.onSaved(connection, false)
      }
    } catch (error) {
      setFailure(messageOf(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      className="ssp-conn-form"
      aria-label={`${systemLabel(system)} connection`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      <div className="ssp-conn-form__grid">
        {fieldsFor(system, authMethod).map((field, index) => [
          index === 1 ? signInMethod : null,
          <Field
            key={field.name}
            label={field.label}
            required={field.required}
            validationMessage={errors[field.name]}
            validationState={errors[field.name] ? 'error' : 'none'}
            hint={field.hint}
          >
            {field.options ? (
              <Select value={values[field.name] ?? field.options[0]?.value} onChange={(_event, data) => set(field.name, data.value)}>
                {field.options.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </Select>
            ) : (
              <Input
                value={values[field.name] ?? ''}
                placeholder={field.placeholder}
                onChange={(_event, data) => set(field.name, data.value)}
              />
            )}
          </Field>
        ])}
      </div>
      {secretName ? (
        <Field
          label={secretName}
          required={!storedSecret}
          validationMessage={errors.secret}
          validationState={errors.secret ? 'error' : 'none'}
          hint={
            storedSecret
              ? 'A secret is stored. Leave this empty to keep it, or type a new one to replace it.'
              : 'Stored encrypted on this machine; it is never shown again.'
          }
        >
          {authMethod === 'certificate' ? (
            <Textarea
              className="ssp-masked"
              value={secret}
              placeholder={storedSecret ? 'secret stored' : '-----BEGIN PRIVATE KEY-----'}
              onChange={(_event, data) => {
                setSecret(data.value)
                setErrors(({ secret: _dropped, ...rest }) => rest)
              }}
              spellCheck={false}
              autoComplete="off"
            />
          ) : (
            <Input
              type="password"
              value={secret}
              placeholder={storedSecret ? 'secret stored' : ''}
              contentBefore={<LockClosedRegular />}
              autoComplete="new-password"
              onChange={(_event, data) => {
                setSecret(data.value)
                setErrors(({ secret: _dropped, ...rest }) => rest)
              }}
            />
          )}
        </Field>
      ) : (
        <Caption1 className="ssp-quiet">
          {authMethod === 'deviceCode'
            ? 'Signs in with a code you enter on another device when the connection is first used.'
            : 'Signs in through your system browser when the connection is first used.'}{' '}
          No secret is stored; the token cache is encrypted.
        </Caption1>
      )}
      {editing.mode === 'edit' && values.name?.trim() !== editing.summary.profile.name && (
        <Caption1 className="ssp-warning-text">
          Mapping files that name “{editing.summary.profile.name}” will no longer find this connection under its new name.
        </Caption1>
      )}
      {failure && (
        <MessageBar intent="error">
          <MessageBarBody>{failure}</MessageBarBody>
        </MessageBar>
      )}
      <div className="ssp-row ssp-row--end">
        <Button onClick={props.onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" appearance="primary" disabled={busy}>
          {busy ? 'Saving…' : editing.mode === 'create' ? 'Create connection' : 'Save changes'}
        </Button>
      </div>
    </form>
  )
}
