import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { MessageCatalog } from '../messages/catalog.js';
import { countDelivered, type ChannelAdapter, type CodeMessage } from './notifier.js';

/** The sms channel in AWS: Amazon SNS Publish to the number, as a transactional SMS. */
export function snsSmsAdapter(settings: SNSClientConfig, messages: MessageCatalog, senderId: string | undefined): ChannelAdapter {
  let sns: SNSClient | undefined;
  return async (m: CodeMessage, callOptions) => {
    const sms = messages.render('sms', m.language, m);
    sns ??= new SNSClient(settings);
    await sns.send(
      new PublishCommand({
        PhoneNumber: m.to,
        Message: sms.text,
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
          ...(senderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: senderId } } : {}),
        },
      }),
      callOptions,
    );
    countDelivered(sms);
  };
}
